import { ApiError } from './api.js';

// Builds DOM nodes without innerHTML, so story text and server messages can never become markup.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export function show(node, visible) {
  node.hidden = !visible;
}

let uniqueCounter = 0;
export function uniqueId(prefix) {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

// Fills an alert box with an error as a sentence: the problem's title, then its detail; an empty box hides.
export function showError(box, error) {
  box.replaceChildren();
  show(box, Boolean(error));
  if (!error) return;
  const title = error instanceof ApiError ? error.title : 'Something went wrong.';
  const detail = error instanceof ApiError ? error.detail : error.message;
  box.append(el('strong', { text: title }), detail ? el('span', { text: ` ${detail}` }) : '');
}
