// A prebuilt JupyterLab extension, written by hand (no build step): a module-federation container that JupyterLab
// loads from this folder only under `make lab-class`, which adds lab/class to JUPYTER_PATH.
// Its one plugin makes Presentation Mode's text larger still (for this browser tab only: the user's settings are not
// touched), then turns on View > Presentation Mode and hides the left side panel once the layout is restored; the View
// menu turns both back.
(function () {
  var plugin = {
    id: "mp-course-class-mode:presentation",
    description: "Start in Presentation Mode, for a projector.",
    autoStart: true,
    activate: function (app) {
      var root = document.documentElement.style;
      root.setProperty("--jp-content-presentation-font-size1", "20px");  // the theme's own: 17px
      root.setProperty("--jp-code-presentation-font-size", "19px");  // the theme's own: 16px
      app.restored.then(function () {
        if (!app.shell.leftCollapsed) {
          app.commands.execute("application:toggle-left-area");
        }
        if (!app.shell.presentationMode) {
          return app.commands.execute("application:toggle-presentation-mode");
        }
      });
    }
  };
  var modules = { "./extension": function () { return { __esModule: true, default: [plugin] }; } };
  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB["mp-course-class-mode"] = {
    init: function () { return Promise.resolve(); },
    get: function (name) {
      return name in modules
        ? Promise.resolve(function () { return modules[name](); })
        : Promise.reject(new Error("mp-course-class-mode has no module " + name));
    }
  };
})();
