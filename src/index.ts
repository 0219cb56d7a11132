export * from "./binfmt";
export * from "./component";
