// Parse GitHub Actions workflows with GitHub's own parser (@actions/workflow-parser), resolving
// local reusable workflows, so that schema errors, bad expressions and calls that pass unknown or
// miss required inputs are caught before GitHub sees them.
//
//   node tests/workflows/parse-workflows.mjs [--root DIR] [FILE.yml ...]
//
// With no files, every .github/workflows/*.yml under the root (default: the current directory).
// Prints one line per file, "ok FILE" or "error FILE: MESSAGE"; exits 0 when every file parsed
// cleanly, 1 when any has an error, 2 on bad usage.
import { readdir, readFile } from "node:fs/promises";
import { register } from "node:module";
import path from "node:path";
import process from "node:process";

register("./json-hook.mjs", import.meta.url);
const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await import("@actions/workflow-parser");

function usage(message) {
  process.stderr.write(`parse-workflows: ${message}\nusage: node parse-workflows.mjs [--root DIR] [FILE.yml ...]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let root = process.cwd();
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--root") {
    if (i + 1 >= args.length) usage("--root needs a directory");
    root = path.resolve(args[++i]);
  } else if (args[i].startsWith("-")) {
    usage(`unknown option ${args[i]}`);
  } else {
    files.push(path.resolve(args[i]));
  }
}
if (files.length === 0) {
  const dir = path.join(root, ".github", "workflows");
  let names;
  try {
    names = await readdir(dir);
  } catch {
    usage(`no ${dir}`);
  }
  for (const name of names.sort()) {
    if (name.endsWith(".yml") || name.endsWith(".yaml")) files.push(path.join(dir, name));
  }
  if (files.length === 0) usage(`no workflows in ${dir}`);
}

// Local reusable workflows ("./.github/..." or "$/.github/...") are read from the root; remote
// ones cannot be fetched offline and are reported as errors.
const fileProvider = {
  async getFileContent(ref) {
    if ("repository" in ref) throw new Error(`remote reusable workflow ${ref.owner}/${ref.repository}`);
    const full = path.join(root, ref.path);
    return { name: ref.path, content: await readFile(full, "utf8") };
  },
};

let failed = 0;
for (const file of files) {
  const name = path.relative(root, file);
  const content = await readFile(file, "utf8");
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const messages = parsed.context.errors.getErrors().map((e) => e.message);
  if (messages.length === 0 && parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value, fileProvider, {
      fetchReusableWorkflowDepth: 1,
    });
    for (const e of template.errors ?? []) messages.push(e.Message);
  } else if (!parsed.value && messages.length === 0) {
    messages.push("the file holds no workflow");
  }
  if (messages.length === 0) {
    process.stdout.write(`ok ${name}\n`);
  } else {
    failed++;
    for (const m of [...new Set(messages)]) process.stdout.write(`error ${name}: ${m}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
