// beacon.mjs: initialises every GOV.UK Frontend component on the page (Exit
// This Page, Character Count, Error Summary, Skip Link, Header, Service
// Navigation, Accordion, ...) from the elements' data-module attributes.
//
// Include it at the end of <body>, after beacon.js (see the comment there for
// the exact tags):
//
//   <script type="module" src="/static/<hash>/beacon.mjs"></script>
//
// It imports govuk-frontend.min.js (the ES module build shipped by the
// govuk-frontend package, copied beside it by build.sh) by relative URL, so it
// works from any hashed directory under a strict `script-src 'self'` CSP.
// Browsers without module support never run it: the pages work without it.
import { initAll } from './govuk-frontend.min.js'

// beacon.js normally adds this class first; adding it here too means the
// components still initialise if the classic script failed to load.
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()
