// The contact form, improved: the language list narrowed to what the chosen
// study center speaks (places.js does the place helpers). Without JavaScript
// the form works as it is.
(function () {
  "use strict";
  var form = document.getElementById("contact-form");
  if (!form) {
    return;
  }
  // Only the languages the chosen center speaks; every language for "nearest".
  var site = form.elements.site;
  var language = form.elements.preferred_language;
  var data = document.getElementById("contact-site-languages");
  if (site && language && data) {
    var languagesBySite = JSON.parse(data.textContent);
    var narrow = function () {
      // A site not listed by itself speaks what most sites speak ("*").
      var allowed = site.value ? languagesBySite[site.value] || languagesBySite["*"] : undefined;
      Array.prototype.forEach.call(language.options, function (option) {
        var hidden = Boolean(allowed && allowed.length && option.value && allowed.indexOf(option.value) === -1);
        option.hidden = hidden;
        option.disabled = hidden;
        if (hidden && option.selected) {
          language.value = "";
        }
      });
    };
    site.addEventListener("change", narrow);
    narrow();
  }
})();
