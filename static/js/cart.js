/* Add to the cart without leaving the shop: the page stays where it is, and the cart bar
   at the bottom of the screen says what was added and the cart's new units and total. Without this script the form posts and the shop
   comes back, which works just as well, only slower. */
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches(".add-form")) {
    return;
  }
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  let response;
  let answer;
  try {
    response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: {Accept: "application/json"},
      credentials: "same-origin",
    });
    answer = await response.json();
  } catch (error) {
    form.submit();  // anything unexpected: let the server's page say it
    return;
  } finally {
    button.disabled = false;
  }
  if (answer.location) {
    window.location.assign(answer.location);
    return;
  }
  const status = document.getElementById("cart-status");
  const message = document.createElement("p");
  message.className = "flash " + (response.ok ? "flash-success" : "flash-error");
  message.textContent = answer.message;
  status.replaceChildren(message);
  if (answer.units) {
    document.getElementById("cart-units").textContent = answer.units;
    document.getElementById("cart-total").textContent = answer.total;
  }
});
