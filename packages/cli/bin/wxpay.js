#!/usr/bin/env node
// The `wxpay` command. This file is committed, not built: npm links a workspace's bins at install time, before
// `prepare` builds dist/, and a bin that does not exist yet would not be linked. It only starts the build.
import '../dist/esm/bin.js';
