# Gare centrale: production image. Data (SQLite database, secret key, search index, uploads)
# lives in /data, a volume. Build: docker build -t gare-centrale .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 WIKI_INSTANCE_PATH=/data
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN pybabel compile -d app/translations \
 && useradd --create-home --uid 1000 wiki && mkdir -p /data && chown wiki:wiki /data
USER wiki
VOLUME ["/data"]
EXPOSE 8000
CMD ["sh", "-c", "flask --app wsgi db upgrade && flask --app wsgi demo --if-empty && exec gunicorn --config gunicorn.conf.py --bind 0.0.0.0:8000 wsgi:app"]
