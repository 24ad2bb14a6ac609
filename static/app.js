// Duk: progressive enhancement only. Every page works without this file.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  // Filter a list in the page as the worker types (nothing leaves the tablet: names must
  // never travel in a URL).
  function setupFilters(root) {
    root.querySelectorAll("[data-filter-list]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("data-filter-list"));
      if (!list) return;
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase();
        list.querySelectorAll("[data-filter-text]").forEach(function (item) {
          item.hidden = q !== "" && item.getAttribute("data-filter-text").indexOf(q) === -1;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupFilters(document);
  });

  window.Duk = window.Duk || {};
  window.Duk.csrfToken = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };
})();
