import time, pathlib
def test_pages(web):
    c = web.signed_in("admin")
    for url in ["/overview", "/distributions", "/service", "/service?per=agent", "/text"]:
        t0=time.time()
        r = c.get(url)
        print(url, r.status_code, round(time.time()-t0,2))
        assert r.status_code == 200, r.text[:3000]
        pathlib.Path("/tmp/page"+url.replace("/","_").replace("?","_")+".html").write_text(r.text)
