// Time limits count this process's CPU time, not the wall clock: the test machines are shared and
// often loaded many times over, and a limit on elapsed time would then fail for no fault of the code.

/** Milliseconds of CPU (user + system) this process has used. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
