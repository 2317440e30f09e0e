/**
 * go.sum lines (Go: modfetch readGoSum/WriteGoSum) and the tree's record of
 * every hash it holds, `.gomirror/go.sum`.
 */
export { compareStrings as compareGoStrings, formatGoSum, type GoSumEntry, type GoSumLine, parseGoSum } from './go-sum.js';
export { openSumStore, type SumStore } from './sums.js';
export { openGoSumLines } from './read-lines.js';
export { openSumsByModule, type ModuleSums, type SumsByModule } from './module-sums.js';
