/* A page answered with errors: focus their summary, so that a screen reader reads it first
   and a phone shows it, whatever the page's length. */
"use strict";

const summary = document.querySelector(".error-summary, .flash-error[tabindex]");
if (summary) {
  summary.focus();
}
