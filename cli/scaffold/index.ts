export { scaffold, type ScaffoldOptions, type ScaffoldResult } from "./scaffold.js";
export { APP_TEMPLATES, APP_TEMPLATE_NAMES, type AppTemplate } from "./templates.js";
export { appNameFromDir } from "./name.js";
