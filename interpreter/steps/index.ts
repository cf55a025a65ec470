// Importing this module registers every built-in step. Each step file calls registerStep itself.
export { getStep, stepNames, registerStep } from './registry.js';
import './command.js';
import './shell.js';
import './set_fact.js';
import './fail.js';
import './pause.js';
import './ping.js';
import './raw.js';
import './systemd.js';
import './copy.js';
import './template.js';
import './package.js';
import './file.js';
import './lineinfile.js';
import './blockinfile.js';
import './stat.js';
import './sysctl.js';
import './fetch.js';
