// Baseline: a bare node:http server answering a constant JSON body.
import http from 'node:http';

const body = JSON.stringify({ success: true, data: { user_id: 1, is_muted: false }, message: null, error: null });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
