// Preloaded into each benchmark process: reports its own peak RSS (KiB) on exit, the fallback when
// GNU time is not installed.
process.on('exit', () => {
  process.stderr.write(`BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
