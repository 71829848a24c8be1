// Plain JavaScript on purpose: it must run, and explain itself, on any Node version.
const [major, minor] = process.versions.node.split('.').map(Number);
const NEED_MAJOR = 22, NEED_MINOR = 19;
if (major < NEED_MAJOR || (major === NEED_MAJOR && minor < NEED_MINOR)) {
  process.stderr.write(
    `portcullis: needs Node.js >= ${NEED_MAJOR}.${NEED_MINOR} (24 LTS recommended), found ${process.version}. ` +
    'Run `source scripts/ensure-node.sh` to install Node 24 from the npm registry, or install Node 24 LTS.\n');
  process.exit(2);
}
