/* After a failed submit, move focus to the error summary so keyboard and screen reader
   users start from the list of problems. Without JavaScript the first link of the page
   ("Skip to the errors in the form") goes there instead. */
(function () {
  "use strict";
  function focusSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
