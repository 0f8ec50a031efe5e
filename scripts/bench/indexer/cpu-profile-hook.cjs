/**
 * Preloaded into a Ponder process by the indexer benchmark (NODE_OPTIONS=--require ..., as `--cpu-prof` is not
 * allowed there): a V8 CPU profile of the window between two marker files in OPG_CPU_PROFILE_DIR. The benchmark
 * writes `start` (answered by `started` once the profiler runs), loads the API, then writes `stop`; the profile is
 * written as <pid>.cpuprofile.
 */
const fs = require("node:fs");
const inspector = require("node:inspector");
const path = require("node:path");

const dir = process.env.OPG_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  let state = "idle";
  const timer = setInterval(() => {
    if (state === "idle" && fs.existsSync(path.join(dir, "start"))) {
      state = "starting";
      session.post("Profiler.enable", () =>
        session.post("Profiler.start", () => {
          state = "running";
          fs.writeFileSync(path.join(dir, "started"), "");
        }),
      );
    } else if (state === "running" && fs.existsSync(path.join(dir, "stop"))) {
      state = "done";
      clearInterval(timer);
      session.post("Profiler.stop", (error, result) => {
        if (error) throw error;
        const file = path.join(dir, `${process.pid}.cpuprofile`);
        fs.writeFileSync(`${file}.part`, JSON.stringify(result.profile));
        fs.renameSync(`${file}.part`, file);
      });
    }
  }, 50);
  timer.unref();
}
