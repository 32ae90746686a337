// Preloaded into each benchmark process: reports its own peak RSS (KiB) and CPU time on exit, the
// fallback when GNU time is not installed.
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`BENCH_MAXRSS_KB=${usage.maxRSS}\nBENCH_CPU_MS=${Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)}\n`);
});
