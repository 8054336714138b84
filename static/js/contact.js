// The contact form, improved: place suggestions as the patient types, "use my
// location" from the browser, and the language list narrowed to what the
// chosen study center speaks. Without JavaScript the form works as it is.
(function () {
  "use strict";
  var form = document.getElementById("contact-form");
  if (!form) {
    return;
  }
  var location = form.elements.location;
  var list = document.getElementById("place-suggestions");
  var suggestUrl = form.getAttribute("data-suggest-url");
  var timer = null;
  var lastQuery = "";

  function clearCoordinates() {
    form.elements.lat.value = "";
    form.elements.lon.value = "";
  }

  function showSuggestions(places) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    places.forEach(function (place) {
      var option = document.createElement("option");
      option.value = place.value;
      option.label = place.label + " (" + place.country + ")";
      list.appendChild(option);
    });
  }

  function suggest() {
    var query = location.value.trim();
    if (query === lastQuery || !suggestUrl) {
      return;
    }
    lastQuery = query;
    if (!query) {
      showSuggestions([]);
      return;
    }
    fetch(suggestUrl + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { places: [] };
      })
      .then(function (data) {
        if (location.value.trim() === query) {
          showSuggestions(data.places || []);
        }
      })
      .catch(function () {
        // Suggestions are a convenience: the typed city still works.
      });
  }

  if (location && list) {
    location.addEventListener("input", function () {
      // A typed city replaces the browser's coordinates.
      clearCoordinates();
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, 250);
    });
  }

  var locate = document.getElementById("contact-use-location");
  if (locate && location && "geolocation" in navigator) {
    locate.parentNode.classList.remove("d-none");
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(4);
        form.elements.lon.value = position.coords.longitude.toFixed(4);
        location.value = form.getAttribute("data-your-location") || "";
      });
    });
  }

  // Only the languages the chosen center speaks; every language for "nearest".
  var site = form.elements.site;
  var language = form.elements.preferred_language;
  var data = document.getElementById("contact-site-languages");
  if (site && language && data) {
    var languagesBySite = JSON.parse(data.textContent);
    var narrow = function () {
      var allowed = languagesBySite[site.value];
      Array.prototype.forEach.call(language.options, function (option) {
        var hidden = Boolean(allowed && option.value && allowed.indexOf(option.value) === -1);
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
