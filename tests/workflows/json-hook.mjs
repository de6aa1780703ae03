// @actions/workflow-parser imports its JSON schema without `with { type: "json" }` (it is built
// for bundlers); Node refuses that. This loader hook adds the attribute for .json files.
export async function load(url, context, nextLoad) {
  if (url.endsWith(".json")) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
  }
  return nextLoad(url, context);
}
