// One-click printing for the printouts (templates/base_print.html). A static file, because the
// Content-Security-Policy allows no inline script: any element with data-print prints the page.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
