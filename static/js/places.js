// Where the patient is, on every form that asks: city suggestions as they type
// and "use my location" from the browser. Without JavaScript the typed city is
// looked up when the form is sent.
//
// Markup: the form carries data-suggest-url and hidden lat/lon fields; the
// city input carries data-place-input and list="<datalist id>"; a "use my
// location" button carries data-use-location, optionally data-reveal (the id
// of the hidden element to show; else the button itself), data-location-label
// (text put in the city field), data-location-status (the id of a message to
// show) and data-submit (send the form once located).
(function () {
  "use strict";

  function setCoordinates(form, lat, lon) {
    if (form.elements.lat && form.elements.lon) {
      form.elements.lat.value = lat;
      form.elements.lon.value = lon;
    }
  }

  function showSuggestions(list, places) {
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

  function wireSuggestions(input) {
    var form = input.form;
    var list = input.list;
    var url = form && form.getAttribute("data-suggest-url");
    var timer = null;
    var lastQuery = "";

    function suggest() {
      var query = input.value.trim();
      if (query === lastQuery) {
        return;
      }
      lastQuery = query;
      if (!query) {
        showSuggestions(list, []);
        return;
      }
      fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { places: [] };
        })
        .then(function (data) {
          if (input.value.trim() === query) {
            showSuggestions(list, data.places || []);
          }
        })
        .catch(function () {
          // Suggestions are a convenience: the typed city still works.
        });
    }

    input.addEventListener("input", function () {
      // A typed city replaces the browser's coordinates.
      setCoordinates(form, "", "");
      var status = document.getElementById(input.getAttribute("data-location-status") || "");
      if (status) {
        status.classList.add("d-none");
      }
      if (url && list) {
        window.clearTimeout(timer);
        timer = window.setTimeout(suggest, 250);
      }
    });
  }

  function wireLocate(button) {
    var form = button.form;
    if (!form || !("geolocation" in navigator)) {
      return;
    }
    var reveal = document.getElementById(button.getAttribute("data-reveal") || "") || button;
    reveal.classList.remove("d-none");
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        setCoordinates(form, position.coords.latitude.toFixed(4), position.coords.longitude.toFixed(4));
        var input = form.querySelector("[data-place-input]");
        if (input) {
          input.value = button.getAttribute("data-location-label") || "";
        }
        var status = document.getElementById(button.getAttribute("data-location-status") || "");
        if (status) {
          status.classList.remove("d-none");
        }
        if (button.hasAttribute("data-submit")) {
          form.requestSubmit();
        }
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-place-input]"), wireSuggestions);
  Array.prototype.forEach.call(document.querySelectorAll("button[data-use-location]"), wireLocate);
})();
