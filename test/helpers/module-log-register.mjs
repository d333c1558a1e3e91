// `node --import ./module-log-register.mjs …`: logs the files the process loads (module-log.mjs).
import { register } from "node:module";

register("./module-log.mjs", import.meta.url);
