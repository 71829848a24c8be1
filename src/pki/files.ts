// Writing certificates and keys to disk: keys 0600 (SPEC §8), and never over an existing file
// unless asked, because overwriting a CA key silently invalidates every certificate it signed.
import { access, chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface PemFile {
  readonly path: string;
  readonly content: string;
  /** Private keys: mode 0600. Certificates: 0644. */
  readonly secret: boolean;
}

export class FilesExistError extends Error {
  readonly files: readonly string[];

  constructor(files: readonly string[]) {
    super(`refusing to overwrite ${files.join(', ')} (use --force to replace)`);
    this.name = 'FilesExistError';
    this.files = files;
  }
}

export async function existing(paths: readonly string[]): Promise<string[]> {
  const found = await Promise.all(paths.map((path) => access(path).then(() => true, () => false)));
  return paths.filter((_, i) => found[i]);
}

/** All or nothing as far as refusal goes: every target is checked before the first is written. */
export async function writePemFiles(files: readonly PemFile[], force: boolean): Promise<void> {
  if (!force) {
    const clash = await existing(files.map((file) => file.path));
    if (clash.length > 0) throw new FilesExistError(clash);
  }
  for (const file of files) {
    const mode = file.secret ? 0o600 : 0o644;
    await mkdir(dirname(file.path), { recursive: true });
    // A new file, then a rename: a replaced key is never readable under the old file's mode,
    // and `wx` turns a file created meanwhile into an error instead of a silent overwrite.
    const target = force ? `${file.path}.${process.pid}.tmp` : file.path;
    await writeFile(target, file.content, { mode, flag: 'wx' });
    await chmod(target, mode); // `mode` passed through the umask; set it outright
    if (target !== file.path) await rename(target, file.path);
  }
}
