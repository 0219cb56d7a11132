export * from "./binfmt";
