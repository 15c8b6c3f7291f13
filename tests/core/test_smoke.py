def test_home_in_french_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Comment ça marche" in response.text
