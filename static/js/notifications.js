// Patient Notification Services forms, improved: place suggestions as the
// patient types and "use my location" from the browser. Without JavaScript
// the place is typed and looked up when the form is sent.
(function () {
  "use strict";
  var form = document.getElementById("notify-form");
  if (!form || !form.elements.place) {
    return;
  }
  var place = form.elements.place;
  var list = document.getElementById("notify-place-suggestions");
  var status = document.getElementById("notify-location-status");
  var suggestUrl = form.getAttribute("data-suggest-url");
  var timer = null;
  var lastQuery = "";

  function setCoordinates(lat, lon) {
    form.elements.lat.value = lat;
    form.elements.lon.value = lon;
    if (status) {
      status.classList.toggle("d-none", lat === "");
    }
  }

  function showSuggestions(places) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    places.forEach(function (found) {
      var option = document.createElement("option");
      option.value = found.value;
      option.label = found.label + " (" + found.country + ")";
      list.appendChild(option);
    });
  }

  function suggest() {
    var query = place.value.trim();
    if (query === lastQuery || !suggestUrl || !list) {
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
        if (place.value.trim() === query) {
          showSuggestions(data.places || []);
        }
      })
      .catch(function () {
        // Suggestions are a convenience: the typed city still works.
      });
  }

  place.addEventListener("input", function () {
    // A typed city replaces the browser's coordinates.
    setCoordinates("", "");
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 250);
  });

  var locate = document.getElementById("notify-use-location");
  if (locate && "geolocation" in navigator) {
    locate.classList.remove("d-none");
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        place.value = "";
        setCoordinates(position.coords.latitude.toFixed(4), position.coords.longitude.toFixed(4));
      });
    });
  }
})();
