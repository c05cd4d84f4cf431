'use strict';
/*
 * quickwins: put at the top of every codemods/<id>.cjs (tsup banner; the footer calls the function back).
 * jscodeshift, with its default --babel, compiles every module loaded after it through Babel, typescript's
 * 9 MB lib included: about 30 s before the first file on a cold cache. The modules this transform loads are
 * plain CommonJS already, so while they load (until the footer) Babel's compile step is skipped: the hooked
 * loader runs as usual, but the `_compile` it would swap in is ignored and Node's own is used.
 */
/* global require */
var __quickwinsRestoreLoaders = (function () {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- this text is pasted into CommonJS bundles
  var Module = require('module');
  var hooked = {};
  ['.js', '.cjs'].forEach(function (extension) {
    var loader = Module._extensions[extension];
    if (typeof loader !== 'function') return;
    hooked[extension] = loader;
    Module._extensions[extension] = function (mod, filename) {
      var compile = mod._compile;
      Object.defineProperty(mod, '_compile', {
        configurable: true,
        get: function () {
          return compile;
        },
        set: function () {},
      });
      try {
        return loader(mod, filename);
      } finally {
        delete mod._compile;
      }
    };
  });
  return function () {
    Object.keys(hooked).forEach(function (extension) {
      Module._extensions[extension] = hooked[extension];
    });
  };
})();
