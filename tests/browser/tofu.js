// The tofu check (tests/browser/support.py, tofu()): which characters draw as .notdef.
() => {
  const REF = String.fromCodePoint(0x10FFFD);
  const SIZE = 48;
  const canvas = document.createElement("canvas");
  canvas.width = SIZE * 2; canvas.height = SIZE * 2;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const draw = (font, ch) => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = font; ctx.textBaseline = "middle"; ctx.fillStyle = "#000";
    ctx.fillText(ch, SIZE / 2, SIZE);
    return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  };
  // Compare the alpha channel only: the glyph's ink.
  const same = (a, b) => {
    for (let i = 3; i < a.length; i += 4) if (a[i] !== b[i]) return false;
    return true;
  };
  const inked = (a) => {
    for (let i = 3; i < a.length; i += 4) if (a[i]) return true;
    return false;
  };
  const skip = /[\p{Cc}\p{Cf}\p{Z}\p{Co}\p{Cn}]/u;
  const byFont = new Map();
  const add = (el, text) => {
    if (!text) return;
    const s = getComputedStyle(el);
    const font = `${s.fontStyle} ${s.fontWeight} ${SIZE}px ${s.fontFamily}`;
    if (!byFont.has(font)) byFont.set(font, new Set());
    for (const ch of text) if (!skip.test(ch)) byFont.get(font).add(ch);
  };
  const root = document.body || document.documentElement;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || ["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(el.tagName)) continue;
    add(el, n.data);
  }
  const ATTRIBUTES = ["alt", "title", "placeholder", "aria-label", "value"];
  for (const el of document.querySelectorAll("[alt],[title],[placeholder],[aria-label],input[value]")) {
    for (const a of ATTRIBUTES) add(el, el.getAttribute(a));
  }
  const found = [];
  let checked = 0, referenceInked = true;
  for (const [font, chars] of byFont) {
    const ref = draw(font, REF);
    if (!inked(ref)) { referenceInked = false; continue; }
    for (const ch of chars) {
      checked++;
      if (same(draw(font, ch), ref)) found.push({ch, font});
    }
  }
  return {found, checked, referenceInked};
}
