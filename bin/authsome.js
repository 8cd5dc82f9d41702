#!/usr/bin/env node
// `npm install` builds dist/ (the `prepare` script), so this works right after installing.
import "../dist/bin.js";
