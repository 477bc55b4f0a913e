// beacon.js: the classic (non-module) half of Beacon's JavaScript.
//
// Our Content-Security-Policy (script-src 'self') forbids inline scripts, so
// the classes GOV.UK Frontend's CSS keys on are set here, from a file. The
// base layout includes, all from the same hashed directory /static/<hash>/:
//
//   <head>
//     <link rel="stylesheet" href="/static/<hash>/beacon.css">
//     <link rel="icon" href="/static/<hash>/favicon.svg" type="image/svg+xml">
//   </head>
//   <body class="govuk-template__body">
//     ... page ...
//     <script src="/static/<hash>/beacon.js" defer></script>
//     <script type="module" src="/static/<hash>/beacon.mjs"></script>
//   </body>
//
// Deferred and module scripts run in document order after parsing, so this
// script runs before beacon.mjs. It also works undeferred as the first child
// of <body>, which sets the classes before first paint (no flash of the
// no-JavaScript layout); it needs only document.body to exist.
//
// `govuk-frontend-supported` is added only where ES modules are supported,
// because GOV.UK Frontend components only initialise (and their JS-only CSS
// only applies) in such browsers; elsewhere the page stays fully usable
// without JavaScript.
(function () {
  'use strict'
  var body = document.body
  if (!body || / js-enabled( |$)/.test(' ' + body.className)) {
    return
  }
  body.className += ' js-enabled' +
    ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
})()
