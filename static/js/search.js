// "Use my location" on the trial list: fills the hidden lat/lon fields from the
// browser and submits the form. Without JavaScript the city field does the job.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var form = document.getElementById("search-form");
  if (!button || !form || !("geolocation" in navigator)) {
    return;
  }
  button.classList.remove("d-none");
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(4);
      form.elements.lon.value = position.coords.longitude.toFixed(4);
      form.elements.place.value = "";
      form.requestSubmit();
    });
  });
  // A typed city replaces the browser's coordinates.
  form.elements.place.addEventListener("input", function () {
    form.elements.lat.value = "";
    form.elements.lon.value = "";
  });
})();
