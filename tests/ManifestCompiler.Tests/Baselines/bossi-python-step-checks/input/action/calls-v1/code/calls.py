def main(storage):
    m = http.HTTPError
    n = http.request("GET", "u", timeout=3, retries=2)
    o = json.loads("{}", object_hook=dict, strict=False)
    p = urlparse("http://x", "https", True, 4)
    q = urlparse.urljoin("a", "b")
    r = urlparse.urljoinx
    s = datetime.datetime.now()
    t = uuid.uuid4()
    u = logging.info("a", 1, 2, 3, extra={})
    v = logging.log(10)
    w = json.dumps(storage, indent=2, sort_keys=True)
    x = json.loads(s="{}")
    y = json.loads("{}", s="{}")
    z = send_to_parser(*storage)
    aa = send_to_parser(**storage)
    bb = modify_tokens({"a": 1}, {"b": 2})
    cc = send_to_parser(data=1)
    dd = create_cron_job("skip-v1")
    ee = b64("x", "y")
    ff = get_token(x=1)
    gg = send_to_trigger(action="nope-v1")
    hh = send_to_trigger("nope-v1")
    ii = send_to_trigger("nope-v1" + storage)
    jj = send_to_parser("skip-v1", {})
    kk = dispatch_command("other-v1")
    ll = send_to_trigger("calls-v2", {})
    mm = http(1)
    nn = send_to_parser
    oo = schedule_task(1, 2, 3)
    pp = logging.info("a", sep=1)
    qq = send_to_trigger("skip-v1",)
    rr = [datetime.nope, uuid.uuid7(), b64.nope, send_to_parser.nope, payload["nope"], http.request.nope]
    return {"all": [m, n, o, p, q, r, s, t, u, v, w, x, y, z, aa, bb, cc, dd, ee, ff, gg, hh, ii, jj, kk, ll, mm, nn, oo, pp]}
