// Several Lighthouse runs in one Node process: what `lighthouse <url> --form-factor=mobile
// --only-categories=performance,accessibility --chrome-flags=…` does per run (a fresh Chromium
// from CHROME_PATH through chrome-launcher, then lighthouse() with the same flags), without
// loading Lighthouse again for every run (about 5 s each on this machine).
//
// node lighthouse_runs.mjs <jobs.json>; jobs.json: {"lighthouseDir": "…/build/lighthouse",
// "chromeFlags": [...], "runs": [{"url": …, "headers": {…}, "out": "…/report.json"}, …]}.
// A run whose trace could not be recorded (a runtime error) is tried once more.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const jobs = JSON.parse(readFileSync(process.argv[2], "utf8"));
const modules = pathToFileURL(`${jobs.lighthouseDir}/node_modules/`);
const { default: lighthouse } = await import(new URL("lighthouse/core/index.js", modules));
const launcher = await import(new URL("chrome-launcher/dist/index.js", modules));

async function once(run) {
  const chrome = await launcher.launch({ chromeFlags: jobs.chromeFlags });
  try {
    const result = await lighthouse(run.url, {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      formFactor: "mobile",
      onlyCategories: ["performance", "accessibility"],
      extraHeaders: run.headers || undefined,
      channel: "cli",
    });
    return result;
  } finally {
    chrome.kill();
  }
}

let failed = 0;
for (const run of jobs.runs) {
  let result = null;
  for (let attempt = 1; attempt <= 2 && !(result && !result.lhr.runtimeError); attempt += 1) {
    try {
      result = await once(run);
    } catch (error) {
      console.error(`attempt ${attempt} on ${run.url}: ${error.message}`);
      result = null;
    }
    if (result && result.lhr.runtimeError) {
      console.error(`attempt ${attempt} on ${run.url}: ${result.lhr.runtimeError.message}`);
    }
  }
  if (result && !result.lhr.runtimeError) {
    writeFileSync(run.out, result.report);
  } else {
    failed += 1;
  }
}
process.exit(failed ? 1 : 0);
