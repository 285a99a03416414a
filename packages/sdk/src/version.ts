// The SDK's version, as package.json states it (rewritten by scripts/build-package.mjs; a test keeps the two equal).
export const SDK_VERSION = '0.1.0';
