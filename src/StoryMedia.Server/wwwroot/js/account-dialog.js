// The question a handed-over token asks before it signs in: whose account it is, and whose it would replace.
import { el, uniqueId } from './dom.js';

function facts(account) {
  return el('dl', { class: 'facts account-facts' },
    account.email ? el('div', {}, el('dt', { text: 'Email' }), el('dd', { text: account.email })) : null,
    el('div', {}, el('dt', { text: 'User id' }), el('dd', { text: account.userId })));
}

// Returns confirmAccount({ offered, current, from }) for createSession: resolves true when the writer continues.
export function createAccountDialog() {
  const titleId = uniqueId('account-title');
  const textId = uniqueId('account-text');
  const title = el('h2', { id: titleId });
  const text = el('div', { id: textId });
  const cancel = el('button', { type: 'submit', value: 'cancel', class: 'button', 'data-role': 'cancel' }, 'Cancel');
  const confirm = el('button', { type: 'submit', value: 'continue', class: 'button primary', 'data-role': 'confirm' }, 'Continue');
  const element = el('dialog', { class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': textId, 'data-role': 'sign-in' },
    el('form', { method: 'dialog' }, title, text, el('div', { class: 'dialog-actions' }, cancel, confirm)));
  document.body.append(element);
  let settle = null;
  element.addEventListener('close', () => {
    settle?.(element.returnValue === 'continue');
    settle = null;
  });

  return function confirmAccount({ offered, current, from }) {
    // A newer offer takes the place of a question still open; the earlier one counts as cancelled.
    settle?.(false);
    title.textContent = current ? 'Switch to another account?' : 'Sign in with this account?';
    text.replaceChildren(
      el('p', { text: from ? `The app at ${from} wants to sign you in to StoryMedia as:` : 'A link wants to sign you in to StoryMedia as:' }),
      facts(offered),
      ...(current
        ? [el('p', { text: 'You are signed in as:' }), facts(current),
          el('p', { class: 'hint', text: 'Continue switches to the account above. Cancel keeps you signed in as you are.' })]
        : [el('p', { class: 'hint', text: 'Continue only if this is your account. Cancel leaves you signed out.' })]));
    element.returnValue = '';
    if (!element.open) element.showModal();
    cancel.focus();
    return new Promise((resolve) => {
      settle = resolve;
    });
  };
}
