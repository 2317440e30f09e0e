// handlebars' runtime (templates compiled elsewhere, no compiler): the same
// object as handlebars itself, less compile() and precompile().
declare module 'handlebars/runtime.js' {
  import type Handlebars from 'handlebars';
  const value: typeof Handlebars;
  export = value;
}
