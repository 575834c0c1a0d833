// Starts GOV.UK Frontend's components (loaded only when the front end has been built).
import { initAll } from "../frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
