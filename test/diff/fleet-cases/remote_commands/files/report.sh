#!/bin/sh
# Uploaded and run by the script step: arguments, environment and the working directory.
echo "args=$*"
echo "user=$(id -un)"
echo "greeting=${GREETING:-unset}"
