// The Flesch reading ease of the English lay summary, recomputed as staff
// type (trials/readability.py computes the same score on the server; the
// words come translated in the element's data attributes).
(function () {
  "use strict";

  var WORD = /[A-Za-z]+(?:['\u2019][A-Za-z]+)?/g;
  var SENTENCE_END = /[.!?;:]+(?:\s|$)|\n\s*\n/;
  var VOWEL_GROUP = /[aeiouy]+/g;

  function syllables(word) {
    word = word.toLowerCase().replace(/\u2019/g, "'").split("'")[0];
    var count = (word.match(VOWEL_GROUP) || []).length;
    var silentE = /e$/.test(word) && !/(le|ee|ye)$/.test(word);
    if (silentE && count > 1) {
      count -= 1;
    }
    return Math.max(count, 1);
  }

  function score(text) {
    var words = text.match(WORD) || [];
    if (!words.length) {
      return null;
    }
    var sentences = text.split(SENTENCE_END).filter(function (part) {
      return /[A-Za-z]/.test(part);
    }).length || 1;
    var total = words.reduce(function (sum, word) { return sum + syllables(word); }, 0);
    var value = 206.835 - 1.015 * (words.length / sentences) - 84.6 * (total / words.length);
    return Math.round(value * 10) / 10;
  }

  function verdict(value, verdicts) {
    for (var i = 0; i < verdicts.length; i++) {
      if (verdicts[i][0] === null || value >= verdicts[i][0]) {
        return verdicts[i][1];
      }
    }
    return "";
  }

  function attach(output) {
    var field = document.getElementById(output.getAttribute("data-readability-of"));
    if (!field) {
      return;
    }
    var verdicts = JSON.parse(output.getAttribute("data-verdicts"));
    var update = function () {
      var value = score(field.value);
      output.textContent = value === null
        ? output.getAttribute("data-empty")
        : output.getAttribute("data-template")
            .replace("%(score)d", String(Math.trunc(value)))
            .replace("%(verdict)s", verdict(value, verdicts));
    };
    field.addEventListener("input", update);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-readability-of]").forEach(attach);
  });
})();
