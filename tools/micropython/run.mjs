// Run a Python script on the real MicroPython (the WebAssembly port from npm) under Node.
//
// Usage:
//   node tools/micropython/run.mjs [--copy HOST_PATH:MP_PATH]... [--path MP_DIR]... SCRIPT [ARGS...]
//
// The repository's device_app/__init__.py and device_app/core/*.py are always copied into
// MicroPython's in-memory filesystem as /lib/device_app/ (on a board they live in /lib too, and
// /lib is on MicroPython's default sys.path). --copy adds more files or folders (folders are
// copied recursively, .py and .mpy files only). --path prepends a folder of the MicroPython
// filesystem to sys.path. SCRIPT runs as __main__ with sys.argv = [SCRIPT, ARGS...].
//
// Output is streamed line by line. Exit status: 0 on success, the SystemExit code if the script
// called sys.exit(), 1 if it raised (the traceback goes to stderr), 2 if this runner was misused.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");

function usage(message) {
  process.stderr.write(`run.mjs: ${message}\n`);
  process.stderr.write(
    "usage: node tools/micropython/run.mjs [--copy HOST:MP]... [--path MP_DIR]... SCRIPT [ARGS...]\n",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const copies = [];
  const paths = [];
  let i = 0;
  while (i < argv.length && argv[i].startsWith("--")) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === "--copy") {
      const at = value.lastIndexOf(":");
      if (at <= 0 || !value.slice(at + 1).startsWith("/")) {
        usage(`--copy wants HOST_PATH:/absolute/micropython/path, got ${value}`);
      }
      copies.push([value.slice(0, at), value.slice(at + 1)]);
    } else if (flag === "--path") {
      paths.push(value);
    } else {
      usage(`unknown option ${flag}`);
    }
    i += 2;
  }
  if (i >= argv.length) usage("no script given");
  return { copies, paths, script: argv[i], args: argv.slice(i + 1) };
}

// Copy a host file, or a folder's .py files recursively, into the MicroPython filesystem.
function copyInto(FS, host, target) {
  let st;
  try {
    st = statSync(host);
  } catch {
    usage(`cannot read ${host}`);
  }
  if (st.isDirectory()) {
    FS.mkdirTree(target);
    for (const name of readdirSync(host).sort()) {
      if (name === "__pycache__" || name.startsWith(".")) continue;
      const child = join(host, name);
      const wanted = name.endsWith(".py") || name.endsWith(".mpy");
      if (statSync(child).isDirectory() || wanted) {
        copyInto(FS, child, `${target}/${name}`);
      }
    }
  } else {
    FS.mkdirTree(dirname(target));
    FS.writeFile(target, readFileSync(host));
  }
}

// Python source is passed as a JSON string literal: JSON strings are valid Python literals
// for the characters we use (paths and arguments), so nothing needs hand-escaping.
const py = (value) => JSON.stringify(value);

const opts = parseArgs(process.argv.slice(2));
const mp = await loadMicroPython({
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});

copyInto(mp.FS, join(repo, "device_app", "__init__.py"), "/lib/device_app/__init__.py");
copyInto(mp.FS, join(repo, "device_app", "core"), "/lib/device_app/core");
for (const [host, target] of opts.copies) copyInto(mp.FS, resolve(host), target);
const scriptPath = `/run/${basename(opts.script)}`;
copyInto(mp.FS, resolve(opts.script), scriptPath);

const driver = `
import sys
sys.argv[:] = ${py([scriptPath, ...opts.args])}
for _p in reversed(${py(["/run", ...opts.paths])}):
    sys.path.insert(0, _p)
_rc = 0
try:
    with open(${py(scriptPath)}) as _f:
        _src = _f.read()
    exec(compile(_src, ${py(scriptPath)}, "exec"), {"__name__": "__main__", "__file__": ${py(scriptPath)}})
except SystemExit as _e:
    _code = _e.args[0] if _e.args else 0
    if _code is None:
        _rc = 0
    elif isinstance(_code, int):
        _rc = _code
    else:
        print(_code, file=sys.stderr)
        _rc = 1
except BaseException as _e:
    sys.print_exception(_e, sys.stderr)
    _rc = 1
`;

let rc;
try {
  mp.runPython(driver);
  rc = Number(mp.globals.get("_rc"));
} catch (err) {
  // Only reached if the driver itself failed (the script's own errors are caught above).
  process.stderr.write(`run.mjs: MicroPython failed: ${err}\n`);
  rc = 1;
}
// Output is line-buffered: hand over a last line that had no newline.
for (const [buf, out] of [["_stdoutBuffer", process.stdout], ["_stderrBuffer", process.stderr]]) {
  const pending = mp._module[buf];
  if (pending && pending.length) out.write(new TextDecoder().decode(new Uint8Array(pending)));
}
process.exitCode = Number.isInteger(rc) ? rc & 0xff : 1;
