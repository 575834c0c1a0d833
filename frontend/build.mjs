// Builds Escalate's front end into escalate/static/frontend/ (not committed):
// the stylesheet compiled from frontend/app.scss, GOV.UK Frontend and MoJ Frontend
// JavaScript, and their images. No fonts: Escalate uses Arial, not GDS Transport.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "escalate", "static", "frontend");
const modules = join(root, "node_modules");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets", "images"), { recursive: true });

const css = sass.compile(join(root, "frontend", "app.scss"), {
  loadPaths: [modules, root],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: [],
  logger: sass.Logger.silent,
});
writeFileSync(join(out, "app.css"), css.css);

const copies = [
  ["govuk-frontend/dist/govuk/govuk-frontend.min.js", "govuk-frontend.min.js"],
  ["@ministryofjustice/frontend/moj/moj-frontend.min.js", "moj-frontend.min.js"],
  ["govuk-frontend/dist/govuk/assets/images", "assets/images"],
  ["@ministryofjustice/frontend/moj/assets/images", "assets/images"],
];
for (const [from, to] of copies) {
  cpSync(join(modules, from), join(out, to), { recursive: true });
}
// The crown (logo, favicons, app icons) belongs to GOV.UK services only.
for (const name of readdirSync(join(out, "assets", "images"))) {
  if (/^(govuk-|favicon)/.test(name)) rmSync(join(out, "assets", "images", name));
}
console.log(`Front end built into ${out}`);
