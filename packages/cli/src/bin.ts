#!/usr/bin/env node
// The `wxpay` command's entry point: runs the command line and ends the process with its exit status.
import { runCli } from './program.js';

runCli(process.argv, { stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => {
  process.exitCode = code;
  // Everything is closed by now; should a stray handle keep the process alive, it still ends with its status.
  setTimeout(() => process.exit(code), 2000).unref();
});
