/* Badge-class admin: preview the artwork file a person has just chosen, before saving, beside the file input.
   The file is read in the browser into a data: URL (the CSP's img-src allows 'self' and data:); nothing is sent
   until the form is saved, where the server checks it and cleans an SVG. Without JavaScript there is no preview
   and the form works the same. */
(function () {
  "use strict";
  var KINDS = /^image\/(png|svg\+xml)$/;
  var NAMES = /\.(png|svg)$/i; // some systems type a chosen .svg as "" or octet-stream

  function watch(input) {
    var preview = document.querySelector('img[data-artwork-preview-of="' + input.id + '"]');
    var note = document.querySelector('[data-artwork-note-of="' + input.id + '"]');
    if (!preview) return;
    var hide = function () {
      preview.hidden = true;
      preview.removeAttribute("src");
      if (note) note.hidden = true;
    };
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || !(KINDS.test(file.type) || NAMES.test(file.name))) { hide(); return; }
      var reader = new FileReader();
      reader.addEventListener("load", function () {
        preview.src = reader.result;
        preview.hidden = false;
        if (note) note.hidden = false;
      });
      reader.addEventListener("error", hide);
      var type = KINDS.test(file.type) ? file.type : /\.svg$/i.test(file.name) ? "image/svg+xml" : "image/png";
      reader.readAsDataURL(new Blob([file], { type: type }));
    });
  }

  function start() {
    document.querySelectorAll("input[type=file][data-artwork-preview]").forEach(watch);
  }

  // The admin loads form media in <head>, before the form exists.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
