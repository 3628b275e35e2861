import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// The build's own config and compiler (npm run build), from the client's entry point, into a
// directory of its own: the same declarations dist/ gets for the client and all it imports,
// without rewriting dist/ under tests that read it meanwhile. Inside the repository, so
// `typebox` resolves from node_modules as it does for a user.
const OUT = mkdtempSync(join(ROOT, 'node_modules', '.wsfault-client-types-'));
const CONFIG = join(OUT, 'tsconfig.json');
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('published client types', () => {
  it('dist/client/index.d.ts and everything it reaches name nothing under proxy/ and no node: module', () => {
    const build = { extends: join(ROOT, 'tsconfig.build.json'), compilerOptions: { rootDir: join(ROOT, 'src'), outDir: OUT, emitDeclarationOnly: true }, files: [join(ROOT, 'src/client/index.ts')], include: [] };
    writeFileSync(CONFIG, JSON.stringify(build));
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', CONFIG], { encoding: 'utf8' });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

    // A browser project: DOM and ES libraries, no @types/node. Whatever the client's
    // declarations reach must resolve and type-check there.
    const program = ts.createProgram([join(OUT, 'client', 'index.d.ts')], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts', 'lib.dom.asynciterable.d.ts'],
      types: [],
      strict: true,
      noEmit: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);

    const reached = program.getSourceFiles().filter((file) => !program.isSourceFileDefaultLibrary(file));
    const ours = reached.map((file) => file.fileName).filter((name) => name.startsWith(OUT)).map((name) => relative(OUT, name).split(sep).join('/'));
    expect(ours).toEqual(expect.arrayContaining(['client/index.d.ts', 'wire.d.ts']));
    expect(ours.filter((name) => name.startsWith('proxy/'))).toEqual([]);
    expect(reached.map((file) => file.fileName).filter((name) => name.includes('/@types/node/'))).toEqual([]);
    for (const file of reached) {
      const text = readFileSync(file.fileName, 'utf8');
      expect(text, file.fileName).not.toMatch(/from\s+['"]node:|import\(\s*['"]node:|require\(\s*['"]node:|reference\s+types=["']node["']/);
      expect(text, file.fileName).not.toMatch(/from\s+['"][^'"]*\/proxy\/|import\(\s*['"][^'"]*\/proxy\//);
    }
  }, 60_000);
});
