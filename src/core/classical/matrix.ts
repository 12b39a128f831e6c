/**
 * A dense row-major matrix of float64 values: row r is data[r*cols .. r*cols+cols).
 * The classical models work on these (one row per utterance, one column per feature).
 */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** A rows x cols matrix of zeros. */
export function zeros(rows: number, cols: number): Matrix {
  return { data: new Float64Array(rows * cols), rows, cols };
}

/** Builds a matrix from equal-length rows; throws naming the first row of the wrong length. */
export function fromRows(rows: ArrayLike<number>[]): Matrix {
  if (rows.length === 0) throw new RangeError('fromRows: at least one row is required');
  const cols = rows[0].length;
  const m = zeros(rows.length, cols);
  rows.forEach((row, r) => {
    if (row.length !== cols)
      throw new RangeError(`fromRows: row ${r} has ${row.length} values, expected ${cols}`);
    for (let c = 0; c < cols; c++) m.data[r * cols + c] = row[c];
  });
  return m;
}

/** Row r as a view (no copy). */
export function row(m: Matrix, r: number): Float64Array {
  return m.data.subarray(r * m.cols, (r + 1) * m.cols);
}

/** The rows at the given indices, copied into a new matrix. */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = zeros(indices.length, m.cols);
  for (let i = 0; i < indices.length; i++) out.data.set(row(m, indices[i]), i * m.cols);
  return out;
}

/** Throws a RangeError when a value is NaN or infinite (naming the row and column). */
export function assertFinite(m: Matrix, what = 'matrix'): void {
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) {
      throw new RangeError(
        `${what} has a non-finite value at row ${Math.floor(i / m.cols)}, column ${i % m.cols}`,
      );
    }
  }
}
