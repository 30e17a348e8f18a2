import { rowsOfCsv } from './import-csv';

describe('R7: an import read from CSV', () => {
  it('says for each row the line of the file it starts on, whatever ends the lines', () => {
    for (const end of ['\n', '\r\n', '\r'])
      expect(
        rowsOfCsv(['email,role', 'a@x.io,user', '', ',,', ' , ', 'b@x.io,admin'].join(end) + end),
      ).toEqual({
        rows: [
          { email: 'a@x.io', role: 'user' },
          { email: 'b@x.io', role: 'admin' },
        ],
        lines: [2, 6],
      });
  });

  it('counts the lines a quoted cell spans, and a byte-order mark takes no line', () => {
    for (const end of ['\n', '\r\n'])
      expect(
        rowsOfCsv(`\ufeffemail,teamIds${end}"two${end}lines",t1${end}${end}c@x.io,"t1;${end}t2"${end}d@x.io`)
          .lines,
      ).toEqual([2, 5, 7]);
    // a row whose text also appears earlier in the file (here inside the header) is found where it is
    expect(rowsOfCsv('email\n\n\nemail@x.io\nem\n').lines).toEqual([4, 5]);
  });

  it('finds the line of a row whose cells start with a space the parser trims as bytes (a no-break space, U+3000)', () => {
    const text =
      'email,role\n\u00a0a@x.io,user\n\nb@x.io,\u3000admin\n\u00a0\u00a0ba@x.io,user\nca@x.io,user\n';
    expect(rowsOfCsv(text)).toEqual({
      rows: [
        { email: 'a@x.io', role: 'user' },
        { email: 'b@x.io', role: 'admin' },
        { email: 'ba@x.io', role: 'user' },
        { email: 'ca@x.io', role: 'user' },
      ],
      lines: [2, 4, 5, 6],
    });
  });

  it('reads column names and roles in any case, and refuses a column given twice in two cases', () => {
    expect(rowsOfCsv('Email,ROLE,TeamIds\nA@x.io,Admin,t1; t2\n').rows).toEqual([
      { email: 'A@x.io', role: 'admin', teamIds: ['t1', 't2'] },
    ]);
    expect(() => rowsOfCsv('email,EMAIL\na@x.io,b@x.io\n')).toThrow(
      expect.objectContaining({
        response: expect.objectContaining({
          errors: [{ field: 'body', message: 'the column email is given twice' }],
        }),
      }),
    );
  });

  it('finds no row in a file of a header and empty lines', () => {
    expect(() => rowsOfCsv('email,role\n,\n\n , \n')).toThrow(
      expect.objectContaining({
        response: expect.objectContaining({ errors: [{ field: 'rows', message: 'give 1 to 1,000 rows' }] }),
      }),
    );
  });
});
