// The code block of the README's "Use from TypeScript" section, between its markers: run as
// written by the library test and by CI's packed-install check (scripts/check-packed-install.mjs).

export function readmeApiExample(readme: string): string {
  const m = /<!-- api-example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- api-example:end -->/.exec(readme);
  if (!m) throw new Error('README.md has no api-example block (<!-- api-example:start --> ```ts ... ``` <!-- api-example:end -->)');
  return m[1]!;
}
