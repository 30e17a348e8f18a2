import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const CONSOLE = join(__dirname, '../../apps/console');
export const CONSOLE_DIST = join(CONSOLE, 'dist');

/**
 * `npm run console:build`: bundles the console (React, the typed API client) into `apps/console/dist`, minified, with
 * content-hashed asset names so the gateway can let browsers keep them. Prints the gzipped size of the script.
 */
export async function buildConsole(outDir = CONSOLE_DIST): Promise<{ scriptGzipBytes: number }> {
  await rm(outDir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { console: join(CONSOLE, 'src/main.tsx'), styles: join(CONSOLE, 'src/console.css') },
    outdir: join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    tsconfig: join(CONSOLE, 'tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs);
  const script = outputs.find((file) => /console-[^/]+\.js$/.test(file))!;
  const styles = outputs.find((file) => /styles-[^/]+\.css$/.test(file))!;
  const html = (await readFile(join(CONSOLE, 'index.html'), 'utf8'))
    .replace('%SCRIPT%', basename(script))
    .replace('%STYLES%', basename(styles));
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'index.html'), html);
  return { scriptGzipBytes: gzipSync(await readFile(script)).length };
}

if (require.main === module)
  buildConsole().then(
    ({ scriptGzipBytes }) =>
      console.log(
        `console built in ${CONSOLE_DIST}: script ${(scriptGzipBytes / 1024).toFixed(1)} KiB gzipped`,
      ),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
