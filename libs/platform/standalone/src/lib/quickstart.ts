/** The two commands the first start prints: create a recipe, run it and see its reply. */
export function quickstartCommands(url: string, apiKey: string): [string, string] {
  const auth = `-H 'authorization: Bearer ${apiKey}'`;
  const recipe = JSON.stringify({
    name: 'hello',
    trigger: { type: 'manual' },
    steps: [{ id: 'greet', respond: { body: { hello: '{{ trigger.name }}' } } }],
  });
  return [
    `RECIPE=$(curl -sf -X POST ${url}/v1/recipes ${auth} -H 'content-type: application/json' -d '${recipe}' | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).id')`,
    `curl -s -X POST "${url}/v1/recipes/$RECIPE/runs?wait=true" ${auth} -H 'content-type: application/json' -d '{"name":"Ada"}'`,
  ];
}

/** What a start prints once ready; the key and the commands only on the first start. */
export function quickstartText(input: { url: string; apiKey: string; keyFile: string; firstStart: boolean }): string {
  const lines = ['', `Junction is running (standalone) at ${input.url}`, `  API docs: ${input.url}/docs`];
  if (!input.firstStart) {
    lines.push(`  The local workspace's admin API key is in ${input.keyFile}`, '');
    return lines.join('\n');
  }
  const [create, run] = quickstartCommands(input.url, input.apiKey);
  lines.push(
    '',
    `The local workspace's admin API key (shown once; kept in ${input.keyFile}, mode 0600):`,
    `  ${input.apiKey}`,
    '',
    'Create a recipe, then run it and read its reply ({"hello":"Ada"}):',
    `  ${create}`,
    `  ${run}`,
    '',
    'Outbound calls are fenced. To let recipes call a test server on this machine, allow its address and port,',
    'e.g. `JUNCTION_HTTP_ALLOW=127.0.0.1:8080 npm start` (not a whole range: that would expose the embedded database).',
    '',
  );
  return lines.join('\n');
}
