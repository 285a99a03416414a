// The "busy, try again" code each APIv2 endpoint's own error table documents: what an injected fault answers there.
import type { Refusal } from './refusals.js';

/** The failure an injected system error gives on the APIv2 path `path` (e.g. `/mmpaymkttransfers/gethbinfo`). */
export function injectedSystemError(path: string): Refusal {
  // queryworkwxredpack's table spells it PSYSTEMERROR ("系统繁忙，请再试", docs/endpoints.md); every other APIv2
  // endpoint the sandbox serves documents SYSTEMERROR.
  const [code, text] =
    path === '/mmpaymkttransfers/queryworkwxredpack'
      ? ['PSYSTEMERROR', '系统繁忙，请再试']
      : ['SYSTEMERROR', '系统繁忙，请稍后再试'];
  return { code, officialText: text, detail: text };
}
