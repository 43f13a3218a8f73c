// The two modal questions: the token, and "really delete?". Both are <dialog>s opened with showModal(), so
// the browser keeps the keyboard inside them and Escape closes them.

const $ = (id) => document.getElementById(id);

/** Asks for the token; resolves with it once the user gives one (Escape only hides the question until the
 *  "Token" button asks again). `refused`: the server turned the last one down. */
export function askToken(refused) {
  const dialog = $("token-dialog");
  $("token-error").textContent = refused ? "The server refused that token. Try again." : "";
  $("token").value = "";
  return new Promise((resolve) => {
    const form = $("token-form");
    form.onsubmit = (e) => {
      e.preventDefault();
      const token = $("token").value.trim();
      if (!token) {
        $("token-error").textContent = "Type the token first.";
        return;
      }
      form.onsubmit = null;
      dialog.close();
      resolve(token);
    };
    openToken();
  });
}

/** Opens the token question again if one is waiting for an answer. */
export function openToken() {
  const dialog = $("token-dialog");
  if (!dialog.open && $("token-form").onsubmit) {
    dialog.showModal();
    $("token").focus();
  }
}

/** Asks `question`; resolves true when the user confirms with `action` (Enter), false on Cancel or Escape. */
export function confirmAction(question, action) {
  const dialog = $("confirm-dialog");
  $("confirm-text").textContent = question;
  $("confirm-yes").textContent = action;
  return new Promise((resolve) => {
    const answer = (yes) => {
      $("confirm-form").onsubmit = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(yes);
    };
    $("confirm-form").onsubmit = (e) => {
      e.preventDefault();
      answer(true);
    };
    $("confirm-no").onclick = () => answer(false);
    dialog.onclose = () => answer(false);
    dialog.showModal();
    $("confirm-yes").focus();
  });
}
